"""What an extraction did: counts, the problems found (each names its file), and whether the
features may be called ready (:meth:`ExtractionReport.health_problem`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

#: More than this share of failed audio clips makes the extraction unusable (:meth:`ExtractionReport.health_problem`).
MAX_FAILED_SHARE = 0.2


@dataclass
class ExtractionReport:
    """What an extraction did: counts and the problems found (each names its file)."""

    tracks: int = 0
    audio_extracted: int = 0
    audio_cached: int = 0
    audio_failed: int = 0
    lyrics_embedded: int = 0
    lyrics_cached: int = 0
    lyrics_missing: int = 0
    from_dataset_cache: bool = False
    seconds: float = 0.0
    problems: list = field(default_factory=list)
    #: clips with an audio file that could be read (extracted, cached or failed)
    audio_total: int = 0
    #: failed clips whose worker process died in every retry: not a verdict on the file, never cached
    audio_crashed: int = 0
    #: the reason of each failed clip, for the cause in :meth:`health_problem`
    failure_reasons: list = field(default_factory=list)
    #: the whole FeatureSet was written to the dataset cache (False after a crash: the next run retries)
    stored: bool = False

    @property
    def usable_tracks(self) -> int:
        return self.tracks

    def health_problem(self) -> Optional[str]:
        """Why these features must not be called ready, or None.

        More than :data:`MAX_FAILED_SHARE` of the audio clips failed (every clip, in the worst
        case): clustering would run on the lyrics alone, or without the audio of many tracks,
        while looking normal. The message names how many, the most common cause and the fix.
        """
        failed, total = self.audio_failed, self.audio_total
        if total == 0 or failed == 0 or failed / total <= MAX_FAILED_SHARE:
            return None
        cause, _ = Counter(self.failure_reasons or ["unknown"]).most_common(1)[0]
        effect = ("the workbench would cluster on the lyrics alone" if failed >= total else
                  "the workbench would cluster many tracks without their audio")
        if self.audio_crashed * 2 >= failed:
            fix = ("Worker processes crashed: that is not a problem of the files, and nothing that failed was "
                   "cached. Extract again (the Extract features button, or the same command); if it happens "
                   "again, extract with one process (`python -m core extract DATASET --jobs 1`) and report it.")
        else:
            fix = ("Fix or remove the files named in the problems list (re-encoding them as 16-bit WAV usually "
                   "helps), then extract again.")
        return (f"Audio features failed for {failed} of {total} clips ({failed / total:.0%}; most often: "
                f"{cause}), so {effect}. The features are not ready. {fix}")

    def lines(self) -> list[str]:
        """A human summary, one line per fact."""
        out = [
            f"tracks: {self.tracks}",
            f"audio: {self.audio_extracted} extracted, {self.audio_cached} from cache, {self.audio_failed} failed",
            f"lyrics: {self.lyrics_embedded} embedded, {self.lyrics_cached} from cache, "
            f"{self.lyrics_missing} tracks without lyrics",
            f"time: {self.seconds:.1f} s" + (" (whole feature set from cache)" if self.from_dataset_cache else ""),
        ]
        if self.problems:
            out.append(f"problems ({len(self.problems)}):")
            out += [f"  - {p}" for p in self.problems]
        return out
