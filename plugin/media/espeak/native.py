"""ctypes binding to the libespeak-ng shipped by `espeakng-loader` (synchronous synthesis only).

libespeak-ng is one process-wide singleton: voice, parameters and the synth callback are
global, and a second ctypes.CDLL of the same file returns the same handle. So the binding is a
module singleton too, initialised once and never terminated (re-initialising after
espeak_Terminate is not something the library promises to survive), and every synthesis holds
one module lock so that two engines (each with its own worker thread) cannot interleave.
Callers are expected to run these blocking functions in a worker thread, never on the loop.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field

import espeakng_loader

# speak_lib.h constants.
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000  # without it a missing data folder calls exit() in the library
POS_CHARACTER = 1
CHARS_UTF8 = 1
ENDPAUSE = 0x1000  # a short pause after the last sentence, so clips join naturally
PARAM_RATE, PARAM_VOLUME, PARAM_PITCH = 1, 2, 3
EE_OK = 0
BUFFER_MS = 500  # bigger chunks mean fewer trips from C back into Python per second of audio

RATE_RANGE = (80, 450)  # words per minute espeak-ng accepts without sonic
PITCH_RANGE = (0, 99)
VOLUME_RANGE = (0, 200)
DEFAULT_PITCH = 50

# int callback(short *wav, int numsamples, espeak_EVENT *events); pointers kept as void* so
# ctypes does not build pointer objects for every chunk.
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)


class EspeakError(RuntimeError):
    """libespeak-ng failed to load, initialise or synthesise."""


@dataclass(eq=False)  # identity hash: engines keep running jobs in a set
class Job:
    """One synthesis: collected 16-bit sample bytes and a flag that asks espeak to stop."""

    chunks: list[bytes] = field(default_factory=list)
    cancelled: threading.Event = field(default_factory=threading.Event)


class Native:
    """The initialised library; use `native()` to get the process-wide instance."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._declare()
        data = espeakng_loader.get_data_path().encode()
        # The return value is the output sample rate (22050 Hz for the shipped data).
        rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS, data,
                                          INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise EspeakError(f"espeak_Initialize failed ({rate}) with data at {data!r}")
        self.sample_rate: int = rate
        version = self.lib.espeak_Info(None)
        self.version: str = version.decode() if version else "?"
        self._job: Job | None = None
        # libespeak keeps only the raw function pointer: this object must outlive every call,
        # or the next synthesis jumps into freed memory. It lives as long as the singleton.
        self._callback = _SYNTH_CALLBACK(self._on_samples)
        self.lib.espeak_SetSynthCallback(self._callback)

    def _declare(self) -> None:
        """Give ctypes the C signatures (defaults would truncate size_t and pointers)."""
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_Synth.restype = ctypes.c_int

    def _on_samples(self, wav: int | None, count: int, _events: int | None) -> int:
        """Synth callback (runs on the synthesising thread): copy samples; 1 aborts."""
        try:
            job = self._job
            if job is None or job.cancelled.is_set():
                return 1
            if wav and count > 0:
                # espeak reuses its buffer after we return, so the samples must be copied now.
                job.chunks.append(ctypes.string_at(wav, count * 2))
            return 0
        except BaseException:  # noqa: BLE001 - an exception must never unwind into C
            return 1

    def synthesize(self, text: str, voice: str, rate: int, pitch: int, volume: int,
                   job: Job) -> bytes:
        """Speak plain UTF-8 text with a resolved voice name; raw native-endian int16 samples."""
        encoded = text.encode("utf-8")
        with _LOCK:
            status = self.lib.espeak_SetVoiceByName(voice.encode("utf-8"))
            if status != EE_OK:
                raise EspeakError(f"espeak_SetVoiceByName({voice!r}) failed ({status})")
            # Parameters are global and survive voice changes: set all of them every time.
            self.lib.espeak_SetParameter(PARAM_RATE, _clamp(rate, RATE_RANGE), 0)
            self.lib.espeak_SetParameter(PARAM_PITCH, _clamp(pitch, PITCH_RANGE), 0)
            self.lib.espeak_SetParameter(PARAM_VOLUME, _clamp(volume, VOLUME_RANGE), 0)
            self._job = job
            try:
                # No espeakSSML / espeakPHONEMES flag: "<...>" and "[[...]]" stay plain text.
                status = self.lib.espeak_Synth(encoded, len(encoded) + 1, 0, POS_CHARACTER, 0,
                                               CHARS_UTF8 | ENDPAUSE, None, None)
            finally:
                self._job = None
        if status != EE_OK and not job.cancelled.is_set():
            raise EspeakError(f"espeak_Synth failed ({status})")
        return b"".join(job.chunks)


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    """Keep a parameter inside espeak's range."""
    return max(bounds[0], min(bounds[1], int(value)))


_LOCK = threading.Lock()
_native: Native | None = None


def native() -> Native:
    """The process-wide library, initialised on first use (about 5 ms)."""
    global _native
    with _LOCK:
        if _native is None:
            _native = Native()
        return _native
