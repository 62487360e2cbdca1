"""The app's pages; each module defines TITLE, ICON, ORDER and render()."""
