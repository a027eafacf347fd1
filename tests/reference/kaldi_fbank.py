"""Kaldi-compatible fbank of WAV files by torchaudio, the reference that tests/speech_test.cpp
checks attnzoo's frames against (see ../shared/specs/speech-frames.md).

usage: /usr/bin/python3 kaldi_fbank.py OUT MEL_BINS FILE...
OUT gets, per file, a line "frames bins" and then one line of space-separated values per frame.
"""
import sys

import torch
import torchaudio
from torchaudio.compliance import kaldi


def main():
    out_path, bins, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with open(out_path, "w") as out:
        for path in files:
            waveform, rate = torchaudio.load(path)  # float in [-1, 1)
            feats = kaldi.fbank(waveform * 32768, dither=0.0, num_mel_bins=bins,
                                sample_frequency=rate, frame_length=25, frame_shift=10,
                                preemphasis_coefficient=0.97, remove_dc_offset=True,
                                window_type="povey", snip_edges=True, low_freq=20,
                                high_freq=0, use_energy=False)
            out.write(f"{feats.shape[0]} {feats.shape[1]}\n")
            for row in feats.tolist():
                out.write(" ".join(repr(v) for v in row) + "\n")


if __name__ == "__main__":
    main()
