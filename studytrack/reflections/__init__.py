"""Learning reflections (心得体会): members write and submit them, secretaries review them."""
