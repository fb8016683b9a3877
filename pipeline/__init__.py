"""pipeline: render infinitely zooming DeepDream videos from a photo or noise."""
