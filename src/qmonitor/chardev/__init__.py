"""chardev package."""
