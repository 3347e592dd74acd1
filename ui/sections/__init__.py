"""Each page's own widget groups: ui/sections/<page>.py is imported by app_pages/<page>.py only."""
