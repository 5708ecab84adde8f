"""Images: as members send them, framed by their shape, resampled to the size they are placed."""
