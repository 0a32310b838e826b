"""NEXA: the recharge and self-care backend of a mobile operator."""
