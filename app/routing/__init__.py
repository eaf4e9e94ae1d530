"""Road travel times from OpenStreetMap with GraphHopper (provisioning, build, compare)."""
