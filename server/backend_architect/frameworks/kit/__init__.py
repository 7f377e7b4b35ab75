"""Route extraction machinery shared by the frameworks of one language family."""
