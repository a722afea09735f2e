"""scapy layer declarations that scapy itself does not ship."""
