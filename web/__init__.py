"""Templates, static files and translations of the HTML pages."""
