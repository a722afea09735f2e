"""The kernel-side filter: libpcap compiles "tcp port N" into a BPF program we attach to a socket.

BPF (the Berkeley Packet Filter) is a tiny machine inside the kernel. A packet socket with a BPF
program attached only wakes us for the packets the program accepts, so a busy interface costs
this program nothing for traffic it does not want. libpcap (the library under tcpdump and
Wireshark) turns a filter expression into that program; we call it through `ctypes` and hand
the result to the kernel with `SO_ATTACH_FILTER`.

Without libpcap there is no compiler: the caller then filters in Python and says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import socket

from netlearn.content.words import say, table
from netlearn.errors import NetlearnError

SO_ATTACH_FILTER = 26
DLT_EN10MB = 1  # libpcap's link type for Ethernet, also used for Linux loopback
DLT_RAW = 12  # bare IP packets (Linux's value)
PCAP_NETMASK_UNKNOWN = 0xFFFFFFFF

# Classic BPF opcodes used by the loopback prefix below.
BPF_LD_H_ABS = 0x28
BPF_JEQ_K = 0x15
BPF_RET_K = 0x06
SKF_AD_PKTTYPE = 0xFFFFF000 + 4  # SKF_AD_OFF + SKF_AD_PKTTYPE: the packet's direction
PACKET_OUTGOING = 4

Insn = tuple[int, int, int, int]  # (code, jt, jf, k)


class LibpcapMissing(Exception):
    """libpcap cannot be loaded on this machine."""


class _BpfInsn(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint32),
    ]


class _BpfProgram(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.POINTER(_BpfInsn))]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_BpfInsn))]


_LIB: ctypes.CDLL | None = None


def load_libpcap() -> ctypes.CDLL:
    """libpcap's shared library, found the way the dynamic linker would find it."""
    global _LIB
    if _LIB is not None:
        return _LIB
    name = ctypes.util.find_library("pcap")
    if not name:
        raise LibpcapMissing(say("core.capture.filter.libpcap-missing"))
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise LibpcapMissing(say("core.capture.filter.libpcap-unloadable", error=exc)) from None
    lib.pcap_open_dead.restype = ctypes.c_void_p
    lib.pcap_open_dead.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.pcap_compile.restype = ctypes.c_int
    lib.pcap_compile.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(_BpfProgram),
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_uint32,
    ]
    lib.pcap_geterr.restype = ctypes.c_char_p
    lib.pcap_geterr.argtypes = [ctypes.c_void_p]
    lib.pcap_freecode.argtypes = [ctypes.POINTER(_BpfProgram)]
    lib.pcap_close.argtypes = [ctypes.c_void_p]
    _LIB = lib
    return lib


def available() -> bool:
    """True when libpcap can be loaded."""
    try:
        load_libpcap()
    except LibpcapMissing:
        return False
    return True


def compile_filter(expression: str, dlt: int = DLT_EN10MB, snaplen: int = 262144) -> list[Insn]:
    """The BPF program libpcap makes of a filter expression, as (code, jt, jf, k) tuples."""
    lib = load_libpcap()
    handle = lib.pcap_open_dead(dlt, snaplen)
    if not handle:
        raise NetlearnError(say("core.capture.filter.no-compiler"))
    prog = _BpfProgram()
    try:
        rc = lib.pcap_compile(handle, ctypes.byref(prog), expression.encode(), 1, 0xFFFFFFFF)
        if rc != 0:
            why = (lib.pcap_geterr(handle) or b"").decode(errors="replace")
            raise NetlearnError(
                say("core.capture.filter.bad", expression=repr(expression), error=why)
            )
        insns = [
            (prog.bf_insns[i].code, prog.bf_insns[i].jt, prog.bf_insns[i].jf, prog.bf_insns[i].k)
            for i in range(prog.bf_len)
        ]
        lib.pcap_freecode(ctypes.byref(prog))
    finally:
        lib.pcap_close(handle)
    return insns


def drop_outgoing(program: list[Insn]) -> list[Insn]:
    """Prefix a program with "drop the packets this host sends".

    On loopback every segment passes the packet socket twice: once leaving (type OUTGOING)
    and once arriving (type HOST). tcpdump keeps only the arriving copy; so do we, in the
    kernel, by loading the packet type (a Linux BPF extension) and jumping to a final
    "return 0" (drop) when it is OUTGOING. Jumps in classic BPF are relative and only go
    forward, so the original program runs unchanged after the two new instructions.
    """
    if len(program) > 255:  # a jump offset is one byte
        raise ValueError("program too long to prefix")
    return [
        (BPF_LD_H_ABS, 0, 0, SKF_AD_PKTTYPE),
        (BPF_JEQ_K, len(program), 0, PACKET_OUTGOING),
        *program,
        (BPF_RET_K, 0, 0, 0),
    ]


def attach(sock: socket.socket, program: list[Insn]) -> None:
    """Hand the program to the kernel for this socket (it copies it)."""
    array = (_BpfInsn * len(program))(*(_BpfInsn(*insn) for insn in program))
    fprog = _SockFprog(len(program), ctypes.cast(array, ctypes.POINTER(_BpfInsn)))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(fprog))


_SIZES = {0x00: "", 0x08: "h", 0x10: "b"}
_JUMPS = {0x00: "ja", 0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset"}

# What the loads of a "tcp port N" program read, in a frame with an Ethernet header, are in
# lessons/core/capture.toml (`bpf.loads`, keyed by the instruction); the values it compares
# with, by name (`bpf.values`).
_VALUES = {0x86DD: "IPv6", 0x800: "IPv4", 0x6: "TCP", 0x1FFF: "fragment"}
_DIRECTION = "ldh [type]"  # the load of the packet's direction (a Linux extension)


def disassemble(program: list[Insn]) -> list[tuple[str, str]]:
    """(instruction, meaning) for each instruction, in `tcpdump -d`'s notation."""
    out: list[tuple[str, str]] = []
    loads = table("core.capture.bpf.loads")
    values = table("core.capture.bpf.values")
    loaded = ""
    for pc, (code, jt, jf, k) in enumerate(program):
        cls = code & 0x07
        text, meaning = f"code {code:#x} k={k:#x}", ""
        if cls in (0x00, 0x01):  # ld, ldx
            size, mode = _SIZES.get(code & 0x18, "?"), code & 0xE0
            name = ("ld" if cls == 0 else "ldx") + size
            signed = k - (1 << 32) if k & 0x80000000 else k
            if mode == 0x20 and k == SKF_AD_PKTTYPE:
                text = f"{name} [type]"  # as tcpdump -d writes it
            elif mode == 0x20:
                text = f"{name} [{signed}]"
            elif mode == 0x40:
                text = f"{name} [x + {signed}]"
            elif mode == 0xA0:
                text = f"ldxb 4*([{k}]&0xf)"
            elif mode == 0x00:
                text = f"{name} #{k:#x}"
            meaning = loads.get(text, "")
            loaded = text
        elif cls == 0x05:  # jumps
            op = _JUMPS.get(code & 0xF0, "j?")
            if op == "ja":
                text = f"ja {pc + 1 + k}"
            else:
                text = f"{op} #{k:#x} jt {pc + 1 + jt} jf {pc + 1 + jf}"
                what = values[_VALUES[k]] if k in _VALUES else str(k)
                if loaded == _DIRECTION and k == PACKET_OUTGOING:
                    what = values["outgoing"]
                yes, no = pc + 1 + jt, pc + 1 + jf
                if op in ("jeq", "jset"):
                    meaning = say(f"core.capture.bpf.{op}", k=f"{k:#x}", what=what, yes=yes, no=no)
        elif cls == 0x06:  # ret
            text = f"ret #{k}"
            meaning = say("core.capture.bpf.drop") if k == 0 else say("core.capture.bpf.keep", k=k)
        out.append((text, meaning))
    return out
