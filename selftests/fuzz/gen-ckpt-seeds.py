#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Writes the checkpoint seeds of the ckpt fuzz target (corpus/ckpt/):
# struct ovl_volatile_ckpt of include/uapi/linux/ovl_volatile.h, packed,
# little endian, 56 bytes: valid ones of both authorities and one of each
# way the decoder refuses. Rerun after a change of the layout:
#   selftests/fuzz/gen-ckpt-seeds.py
import os
import struct

MAGIC = 0x564C564F  # OVL_VOLATILE_CKPT_MAGIC, "OVLV"
V2, V2_SIZE = 2, 56
AUTH_KERNEL, AUTH_MODULE = 1, 2
# magic version authority size flags errseq nonce[16] sb_instance binding
# binding_gen fs_errors
LAYOUT = "<IBBHII16sQQII"
assert struct.calcsize(LAYOUT) == V2_SIZE

NONCE = bytes(range(0x10, 0x20))


def ckpt(magic=MAGIC, version=V2, authority=AUTH_KERNEL, size=V2_SIZE,
         flags=0, errseq=0x20, nonce=NONCE, sb_instance=7, binding=131074,
         binding_gen=0x5eed, fs_errors=0):
    return struct.pack(LAYOUT, magic, version, authority, size, flags,
                       errseq, nonce, sb_instance, binding, binding_gen,
                       fs_errors)


seeds = {
    "kernel-authority": ckpt(),
    "module-authority": ckpt(authority=AUTH_MODULE, errseq=0,
                             sb_instance=0x100000001, fs_errors=3),
    "truncated": ckpt()[:V2_SIZE - 1],
    "oversized": ckpt() + b"\0",
    "bad-magic": ckpt(magic=0x564C564E),
    "version-1": ckpt(version=1),
    "unknown-flags": ckpt(flags=1),
    "unknown-authority": ckpt(authority=3),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus",
                   "ckpt")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
