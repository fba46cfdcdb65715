"""The unit register: communities, buildings, units, owners and ownerships."""
