"""The Hipdrive station: capture -> pose -> gait -> bus/store, on the edge computer."""
