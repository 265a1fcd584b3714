"""The partners directory pages: organisations, people, their forms and the CSV import."""
