"""Views of the stories app, one module per topic."""
