"""Server-side SVG charts (pure: no Flask, no database)."""
