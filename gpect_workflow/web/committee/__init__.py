"""The steering committee's pages: the plans it oversees, and the review reports of plans and committees."""
