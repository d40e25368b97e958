"""Malformed IPv4 options (RFC 791 3.1) shared by the forwarding tests (test_router_pcap.py)
and the local-delivery tests (test_ip4opt_local.py): one checker decides both, so one table
states what it must refuse and where RFC 1812 4.3.3.5's pointer goes."""

# (name, option bytes, pointer: RFC 1812 4.3.3.5's faulty octet, counted from the header start)
BAD_OPTIONS = [
    ("length0", b"\x1e\x00\x00\x00", 21),
    ("length1", b"\x1e\x01\x00\x00", 21),
    ("length_past_header", b"\x1e\x08\x00\x00", 21),
    ("no_length_octet", b"\x01\x01\x01\x1e", 23),
    ("rr_length_not_3_plus_4n", b"\x07\x04\x04\x00", 21),
    ("rr_pointer_below_4", b"\x07\x07\x03" + b"\0" * 4 + b"\x00", 22),
    ("rr_pointer_0", b"\x07\x07\x00" + b"\0" * 4 + b"\x00", 22),
    ("rr_pointer_unaligned", b"\x07\x0b\x05" + b"\0" * 8 + b"\x00", 22),
    ("rr_pointer_past_full", b"\x07\x07\x0c" + b"\0" * 4 + b"\x00", 22),
    ("lsrr_pointer_below_4", b"\x83\x07\x02" + b"\0" * 4 + b"\x00", 22),
    ("ssrr_pointer_unaligned", b"\x89\x0b\x06" + b"\0" * 8 + b"\x00", 22),
    ("ts_length_below_4", b"\x44\x03\x05\x00", 21),
    ("ts_pointer_below_5", b"\x44\x08\x04\x00" + b"\0" * 4, 22),
    ("ts_pointer_unaligned", b"\x44\x0c\x06\x00" + b"\0" * 8, 22),
    ("ts_bad_flag", b"\x44\x08\x05\x02" + b"\0" * 4, 23),
    ("ts_flag1_length_not_4_plus_8n", b"\x44\x08\x05\x01" + b"\0" * 4, 21),
    ("ts_full_overflow_wraps", b"\x44\x08\x09\xf0" + b"\0" * 4, 23),
    ("second_option_bad", b"\x07\x07\x04" + b"\0" * 4 + b"\x44\x04\x04\x00\x00", 29),
]

# Two more layouts of the unaligned-pointer classes (a one-entry Record Route, a one-entry
# Timestamp), run on the forwarding side too.
BAD_OPTIONS_SHORT = [
    ("rr_pointer_unaligned_one_entry", b"\x07\x07\x05" + b"\0" * 4 + b"\x00", 22),
    ("ts_pointer_unaligned_one_entry", b"\x44\x08\x06\x00" + b"\0" * 4, 22),
]
