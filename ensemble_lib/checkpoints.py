"""Saving the weights of chosen epochs to files during ``fit``, loading them back, and resuming.

Introduced in chapter 3 (Polyak-Ruppert averaging).

A checkpoint is one Keras 3 ``.weights.h5`` file per epoch, ``epoch-0490.weights.h5`` for the
weights at the end of epoch 490 (epochs count from 0, as Keras's callbacks do). Keras 3 stores
the optimizer's state (momentum, step count) in the same file, so a checkpoint is also a point
to resume training from.

A folder of checkpoints belongs to one training run, and the files on disk can be trusted:

* **A record of the run.** ``manifest.json`` names the run (a random id), the callback and its
  settings, the model's and the optimizer's signature, and every checkpoint with its role (a
  *member*, kept for averaging or ensembling, or a *resume* point) and the SHA-256 of its bytes.
  The loader returns only the members the manifest lists, verifies every checksum, and refuses a
  folder holding files that are not part of its run. A new run refuses a folder that holds
  another run's checkpoints unless told ``replace=True``.
* **One writer.** A run holds an exclusive lock on the folder (``fcntl.flock``) while it trains:
  a second run, in another process or in the same ``fit``, is refused at once, and so is a
  reader in another process. The lock goes with the process, so a killed run never blocks the
  next one; a run that stops with an error releases it; a ``fit`` interrupted in a notebook
  (Keras then never calls ``on_train_end``) keeps it until the next ``fit`` of the same kernel
  takes it over, and the kernel can read the folder meanwhile.
* **Whole files only.** Keras writes each checkpoint into memory-backed storage; the bytes are
  then written to a temporary file in the folder, flushed to disk, renamed onto the final name,
  and the folder itself is flushed, before the manifest (written the same way) records them. A
  run killed at any moment leaves complete files and a manifest that lists only complete files.
  A full disk ends in an ``OSError`` naming the folder, with every earlier checkpoint intact
  (libhdf5, writing to a full disk itself, would crash the process instead).
* **Fail early.** Before the first epoch, a run checks that the folder is writable and has room
  for the checkpoints it plans to save.
* **Resume means resume.** :func:`resume_from_checkpoints` refuses a checkpoint that lacks the
  optimizer state the model needs, instead of silently restarting the momentum from zero.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import keras
import numpy as np

from ._checks import check_int

__all__ = [
    "EpochCheckpoints",
    "checkpoint_path",
    "load_checkpoints",
    "resume_from_checkpoints",
    "saved_epochs",
]

_NAME = re.compile(r"^epoch-(\d{4,})\.weights\.h5$")
_TMP_PREFIX = ".tmp-"
#: The record of a folder's run, beside its checkpoints.
MANIFEST = "manifest.json"
_LOCK = ".lock"
_FORMAT = "ensemble_lib checkpoints 1"
_log = logging.getLogger("ensemble_lib")


def checkpoint_path(folder, epoch: int) -> Path:
    """Where the weights at the end of ``epoch`` are stored in ``folder`` (chapter 3).

    Args:
        folder: the checkpoint folder, a ``str`` or ``pathlib.Path`` (it need not exist yet).
        epoch: the epoch, counted from 0.

    Returns:
        The ``Path`` ``folder / "epoch-NNNN.weights.h5"`` (at least four digits).

    Raises:
        TypeError: if ``epoch`` is not an int (a bool or a float included), or ``folder`` is not a
            ``str`` or path.
        ValueError: if ``epoch`` is negative.
        NotADirectoryError: if ``folder`` exists and is not a folder.
    """
    epoch = check_int(epoch, "epoch", minimum=0)
    return _as_folder(folder) / f"epoch-{epoch:04d}.weights.h5"


def _as_folder(folder) -> Path:
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a path (str or pathlib.Path), got {type(folder).__name__}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"checkpoint folder {folder} is not a folder")
    return folder


def _checkpoint_files(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    found = ((_NAME.match(p.name), p) for p in folder.iterdir())
    return {int(m.group(1)): p for m, p in found if m}


def _read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"checkpoint manifest {path} is damaged: {exc}") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != _FORMAT
        or not isinstance(manifest.get("checkpoints"), dict)
    ):
        raise ValueError(f"checkpoint manifest {path} is not one this library wrote ({_FORMAT!r})")
    return manifest


def _recorded(manifest: dict | None) -> dict[int, dict]:
    return {int(epoch): entry for epoch, entry in (manifest or {"checkpoints": {}})["checkpoints"].items()}


def saved_epochs(folder) -> list[int]:
    """The epochs with a complete checkpoint recorded in ``folder``, in increasing order (chapter 3).

    Members and resume points alike, as the folder's manifest lists them.

    Returns:
        A sorted list of epochs; ``[]`` when the folder (or its manifest) does not exist yet.

    Raises:
        TypeError: if ``folder`` is not a ``str`` or path.
        NotADirectoryError: if ``folder`` exists and is not a folder.
        ValueError: if the manifest is damaged or was not written by this library.
    """
    return sorted(_recorded(_read_manifest(_as_folder(folder))))


# --- Writing --------------------------------------------------------------------------------


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(path: Path, data: bytes) -> None:
    """``data`` into ``path``: a temporary file of this process, flushed, renamed, folder flushed."""
    tmp = path.with_name(f"{_TMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except OSError as exc:
        raise OSError(
            exc.errno, f"could not write {path.name} in checkpoint folder {path.parent}: {exc.strerror or exc}"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)


def _staging_folder(need: int, folder: Path) -> str:
    """Where Keras writes a checkpoint before it is copied: memory-backed ``/dev/shm`` if it has
    room for ``need`` bytes, else the temporary folder; a full one would fail inside libhdf5."""
    for candidate in ("/dev/shm", tempfile.gettempdir()):
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK) and shutil.disk_usage(candidate).free >= need:
            return candidate
    raise OSError(
        errno.ENOSPC,
        f"cannot save a checkpoint for checkpoint folder {folder}: neither /dev/shm nor "
        f"{tempfile.gettempdir()} has the {need} bytes free that Keras needs to write it first",
    )


def _weights_file(model, folder: Path, size_hint: int = 2**20) -> bytes:
    """The bytes of ``model.save_weights(...)``, written by Keras away from the checkpoint folder."""
    staging_root = _staging_folder(4 * size_hint, folder)
    try:
        with tempfile.TemporaryDirectory(prefix="ensemble_lib-", dir=staging_root) as staging:
            path = Path(staging) / "staged.weights.h5"
            model.save_weights(path)
            return path.read_bytes()
    except OSError as exc:
        raise OSError(
            exc.errno,
            f"cannot save a checkpoint for checkpoint folder {folder}: writing it to "
            f"{staging_root} first failed: {exc.strerror or exc}",
        ) from exc


def _optimizer_signature(model) -> dict | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not optimizer.built:
        return None
    return {"class": type(optimizer).__name__, "variables": len(optimizer.variables)}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: This process's writers, by folder: how a run tells a stale holder from a second writer.
_HOLDERS: dict[str, _FolderWriter] = {}


def _key(folder: Path) -> str:
    """One name per folder, however it was spelled (relative, through a symlink)."""
    return str(folder.resolve())


def _lock_owner(descriptor: int) -> str:
    """The process id the lock file's holder wrote into it."""
    return os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"


class _FolderWriter:
    """A training run's hold on its checkpoint folder: the lock, the manifest, the saves.

    The callbacks drive it: :meth:`begin` at ``on_train_begin``, :meth:`start` before the first
    epoch (when the first epoch number tells a new run from a resumed one), :meth:`save` and
    :meth:`drop` during training, :meth:`release` at ``on_train_end``.
    """

    def __init__(self, folder: Path, settings: dict, replace: bool):
        self.folder = folder
        self.settings = settings
        self.replace = replace
        self.manifest: dict | None = None
        self.removed: list[str] = []
        self._descriptor: int | None = None
        self._fit = None

    def begin(self, model, fit_params, planned: int) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot create checkpoint folder {self.folder}: {exc.strerror or exc}") from exc
        self._lock(fit_params)
        try:
            for stale in self.folder.glob(f"{_TMP_PREFIX}*"):  # the lock says: no other writer is alive
                stale.unlink(missing_ok=True)
            self._check_room(model, planned)
        except BaseException:
            self.release()
            raise

    def _lock(self, fit_params) -> None:
        key = _key(self.folder)
        holder = _HOLDERS.get(key)
        if holder is not None:
            if holder._fit is fit_params:  # Keras hands every callback of one fit the same dict
                raise ValueError(
                    f"two callbacks of one fit write to checkpoint folder {self.folder}; they would "
                    "delete each other's files: give each callback a folder of its own"
                )
            holder.release()  # an earlier fit, interrupted before on_train_end
        path = self.folder / _LOCK
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OSError(exc.errno, f"checkpoint folder {self.folder} is not writable: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _lock_owner(descriptor)
            os.close(descriptor)
            raise RuntimeError(
                f"checkpoint folder {self.folder} is in use by another training run (process {owner}): "
                "wait for it to finish, or give this run another folder"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        self._descriptor, self._fit = descriptor, fit_params
        _HOLDERS[key] = self

    def _check_room(self, model, planned: int) -> None:
        probe = self.folder / f"{_TMP_PREFIX}{os.getpid()}-probe"
        try:
            probe.write_bytes(b"probe")
        except OSError as exc:
            raise OSError(exc.errno, f"checkpoint folder {self.folder} is not writable: {exc.strerror or exc}") from exc
        finally:
            probe.unlink(missing_ok=True)
        # One file now, without the optimizer's slots if they are not built yet: count it twice.
        need = 2 * len(_weights_file(model, self.folder)) * (planned + 1) + 2**20
        free = shutil.disk_usage(self.folder).free
        if free < need:
            raise OSError(
                errno.ENOSPC,
                f"checkpoint folder {self.folder} has {free} bytes free; the {planned} checkpoints this "
                f"run plans need about {need}",
            )

    def start(self, first_epoch: int) -> None:
        files = _checkpoint_files(self.folder)
        if first_epoch == 0:
            self._start_new_run(files)
            return
        manifest = _read_manifest(self.folder)
        if manifest is None:
            raise ValueError(
                f"fit starts at epoch {first_epoch}, but checkpoint folder {self.folder} holds no run to "
                "resume: start at epoch 0, or resume in the folder the run wrote"
            )
        if manifest["settings"] != self.settings:
            raise ValueError(
                f"checkpoint folder {self.folder} was written with {manifest['settings']}; this run has "
                f"{self.settings}: resume with the same model, optimizer and callback settings"
            )
        recorded = _recorded(manifest)
        newest = max(recorded, default=None)
        if newest != first_epoch - 1:
            raise ValueError(
                f"fit resumes at epoch {first_epoch}, but the newest checkpoint in {self.folder} is "
                f"epoch {newest}: pass initial_epoch=el.resume_from_checkpoints(model, folder)"
            )
        for epoch, path in files.items():  # saved, then interrupted before the manifest listed it
            if epoch not in recorded:
                path.unlink(missing_ok=True)
        self.manifest = manifest

    def _start_new_run(self, files: dict[int, Path]) -> None:
        try:
            manifest = _read_manifest(self.folder)
        except ValueError:
            if not self.replace:
                raise
            manifest = None  # damaged, and replace=True: start over all the same
        recorded = _recorded(manifest)
        if recorded or (manifest is None and files):
            epochs = sorted(set(recorded) | set(files))
            if not self.replace:
                raise FileExistsError(
                    f"checkpoint folder {self.folder} holds {len(epochs)} checkpoints of an earlier run "
                    f"(epochs {epochs[0]} to {epochs[-1]}): pass replace=True to remove them, or resume that run"
                )
            self.removed = sorted(p.name for p in files.values())
            _log.info("checkpoint folder %s: removing the checkpoints of an earlier run: %s", self.folder, self.removed)
        # The new run's record first: from here on, files it does not list are leftovers (of an
        # earlier run, or of one killed before its record listed them), removed now or on resume.
        self.manifest = {"format": _FORMAT, "run": uuid.uuid4().hex, "settings": self.settings, "checkpoints": {}}
        self._write_manifest()
        for path in files.values():
            path.unlink(missing_ok=True)
        _fsync_folder(self.folder)

    def _write_manifest(self) -> None:
        _write_atomically(self.folder / MANIFEST, (json.dumps(self.manifest, indent=1, sort_keys=True) + "\n").encode())

    def save(self, model, epoch: int, kind: str) -> None:
        sizes = [entry["bytes"] for entry in self.manifest["checkpoints"].values()]
        data = _weights_file(model, self.folder, max(sizes, default=2**20))
        path = checkpoint_path(self.folder, epoch)
        _write_atomically(path, data)
        entries = self.manifest["checkpoints"]
        entries[str(epoch)] = {
            "file": path.name,
            "kind": kind,
            "bytes": len(data),
            "sha256": _sha256(data),
            "optimizer": _optimizer_signature(model),
        }
        try:
            self._write_manifest()
        except OSError:
            del entries[str(epoch)]  # the record stays as it was, and so must the folder
            path.unlink(missing_ok=True)
            raise

    def drop(self, epoch: int) -> None:
        entry = self.manifest["checkpoints"].pop(str(epoch))
        self._write_manifest()  # first: the manifest never lists a missing file
        (self.folder / entry["file"]).unlink(missing_ok=True)

    def recorded(self) -> dict[int, dict]:
        return _recorded(self.manifest)

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing the file releases the lock
            self._descriptor = None
        key = _key(self.folder)
        if _HOLDERS.get(key) is self:
            del _HOLDERS[key]


def _model_settings(model) -> dict:
    return {
        "weights": [list(w.shape) for w in model.weights],
        "optimizer": type(model.optimizer).__name__ if getattr(model, "optimizer", None) is not None else None,
    }


class _WritesCheckpoints:
    """What the checkpoint-writing callbacks share: the folder's lock, manifest and saves.

    :class:`EpochCheckpoints` and :class:`~ensemble_lib.schedules.SnapshotEnsemble` call these
    from their Keras hooks; they differ only in which epochs they save.
    """

    def _init_checkpoints(self, folder, replace) -> None:
        if not isinstance(replace, bool):
            raise TypeError(f"replace must be True or False, got {replace!r}")
        self.folder = _as_folder(folder)
        self.replace = replace
        self.saved: list[int] = []
        self.removed: list[str] = []
        self._writer: _FolderWriter | None = None
        self._started = False

    def _begin_checkpoints(self, settings: dict, planned: int) -> None:
        """At ``on_train_begin``: lock the folder, check it is writable and has room."""
        self.saved, self._started = [], False
        settings = {"callback": type(self).__name__, **settings, **_model_settings(self.model)}
        self._writer = _FolderWriter(self.folder, settings, self.replace)
        self._writer.begin(self.model, self.params, planned)

    def _start_checkpoints(self, epoch: int) -> None:
        """At the first ``on_epoch_begin``: a new run from epoch 0, or the resumption of this folder's run."""
        if not self._started:
            with self._releasing_on_error():
                self._writer.start(epoch)
                self.removed = self._writer.removed
                self._started = True
                self._prune(epoch - 1)

    def _save_checkpoint(self, epoch: int, kind: str = "member") -> None:
        with self._releasing_on_error():
            self._writer.save(self.model, epoch, kind)
            if kind == "member":
                self.saved.append(epoch)
            self._prune(epoch)

    @contextmanager
    def _releasing_on_error(self):
        # Keras skips on_train_end when fit ends in an exception: release the folder here.
        try:
            yield
        except BaseException:
            self._writer.release()
            raise

    def _prune(self, newest: int) -> None:
        # Resume points older than the newest checkpoint are never needed again.
        for epoch, entry in sorted(self._writer.recorded().items()):
            if entry["kind"] == "resume" and epoch < newest:
                self._writer.drop(epoch)

    def _end_checkpoints(self) -> None:
        if self._writer is not None:
            self._writer.release()


class EpochCheckpoints(_WritesCheckpoints, keras.callbacks.Callback):
    """Save the weights at the end of chosen epochs to ``folder``, during an ordinary ``fit`` (chapter 3).

    A new run (``fit`` from epoch 0) refuses a folder that holds another run's checkpoints,
    unless ``replace=True``: then it removes them (listed in ``removed``, and logged at INFO
    level on the ``ensemble_lib`` logger). A resumed run continues its own folder. ``saved``
    lists the member epochs saved.

    Args:
        folder: the checkpoint folder, a ``str`` or ``pathlib.Path``; created if missing.
        last: ``K``, to save the last ``K`` epochs of the run (with ``epochs=500``, ``last=10``
            saves epochs 490 to 499), read from ``fit``'s own ``epochs`` when training begins.
            Give exactly one of ``last`` and ``window``.
        window: ``(start, stop)`` (or ``range(start, stop)``), to save every epoch
            ``start <= epoch < stop``.
        resume_every: ``N``, to keep in addition the newest checkpoint of every ``N``-th epoch
            outside the window, so that a killed run can be resumed
            (:func:`resume_from_checkpoints`) from at most ``N`` epochs back; resume points are
            never loaded as members.
        replace: whether a new run may remove another run's checkpoints from ``folder``.

    Raises:
        TypeError: if ``folder`` is not a ``str`` or path, ``replace`` is not a bool, or ``last``
            or ``resume_every`` is not an int.
        ValueError: if not exactly one of ``last`` and ``window`` is given, ``window`` is not
            ``(start, stop)`` with ``0 <= start < stop`` (or a range of step 1), or ``last`` or
            ``resume_every`` is below 1; in ``fit``, also if ``last`` is given but ``fit`` has no
            ``epochs``, or a resumed run does not match the folder's run.
        NotADirectoryError: if ``folder`` exists and is not a folder.
        FileExistsError: in ``fit``, if a new run finds another run's checkpoints in ``folder``
            and ``replace`` is False.
        RuntimeError: in ``fit``, if another training run holds ``folder``.
        OSError: in ``fit``, if ``folder`` is not writable or lacks room for the planned checkpoints.
    """

    def __init__(
        self, folder, *, last: int | None = None, window=None, resume_every: int | None = None, replace: bool = False
    ):
        super().__init__()
        self._init_checkpoints(folder, replace)
        if (last is None) == (window is None):
            raise ValueError("give exactly one of last=K or window=(start, stop)")
        if last is not None:
            last = check_int(last, "last", minimum=1)
        if window is not None:
            if isinstance(window, range):
                if window.step != 1:
                    raise ValueError(f"window must be a range of consecutive epochs (step 1), got {window!r}")
                window = (window.start, window.stop)
            if not isinstance(window, (tuple, list)) or len(window) != 2:
                raise TypeError(f"window must be a pair (start, stop) of epochs or a range, got {window!r}")
            window = (check_int(window[0], "window[0]"), check_int(window[1], "window[1]"))
            if not 0 <= window[0] < window[1]:
                raise ValueError(f"window must be (start, stop) with 0 <= start < stop, got {window!r}")
        if resume_every is not None:
            resume_every = check_int(resume_every, "resume_every", minimum=1)
        self.last = last
        self.window = window
        self.resume_every = resume_every

    def on_train_begin(self, logs=None):
        if self.window is not None:
            self._start, self._stop = self.window
        else:
            total = self.params.get("epochs")
            if not total:
                raise ValueError("EpochCheckpoints(last=K) needs fit(..., epochs=N) to know where the run ends")
            self._start, self._stop = max(0, total - self.last), total
        planned = self._stop - self._start + (1 if self.resume_every else 0)
        self._begin_checkpoints({"window": [self._start, self._stop], "resume_every": self.resume_every}, planned)

    def on_epoch_begin(self, epoch, logs=None):
        self._start_checkpoints(epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self._start <= epoch < self._stop:
            self._save_checkpoint(epoch, "member")
        elif self.resume_every and (epoch + 1) % self.resume_every == 0:
            self._save_checkpoint(epoch, "resume")

    def on_train_end(self, logs=None):
        self._end_checkpoints()


# --- Reading --------------------------------------------------------------------------------


def _existing_folder(folder) -> Path:
    folder = _as_folder(folder)
    if not folder.exists():
        raise FileNotFoundError(f"checkpoint folder {folder} does not exist")
    return folder


@contextmanager
def _reading(folder: Path):
    """Read ``folder`` while no other process writes to it (a shared lock on the folder's lock file).

    A folder this process holds (a fit running now, e.g. a callback that reads, or one that was
    interrupted) is read as it stands: the holder keeps its lock, which only a new fit takes over.
    """
    path = folder / _LOCK
    if _key(folder) in _HOLDERS or not path.exists():
        yield
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _lock_owner(descriptor)
            raise RuntimeError(
                f"checkpoint folder {folder} is being written by a training run (process {owner}): "
                "read it when that run has finished"
            ) from None
        yield
    finally:
        os.close(descriptor)


def _run_of(folder: Path, strangers_allowed: bool = False) -> dict[int, dict]:
    """The folder's recorded checkpoints; refuses files that are not part of the run, unless
    ``strangers_allowed`` (a resume, which removes them)."""
    manifest = _read_manifest(folder)
    files = _checkpoint_files(folder)
    recorded = _recorded(manifest)
    if manifest is None and files:
        raise ValueError(
            f"checkpoint folder {folder} has checkpoint files but no {MANIFEST}: they were not written "
            "by this library's callbacks, so nothing says they belong to one run"
        )
    strangers = sorted(files[e].name for e in set(files) - set(recorded))
    if strangers and not (strangers_allowed and manifest is not None):
        raise ValueError(
            f"checkpoint folder {folder} holds files that are not part of its run ({', '.join(strangers[:5])}): "
            "an interrupted run left them; resume that run (it removes them) or start over with replace=True"
        )
    return recorded


def _verified(folder: Path, entry: dict) -> Path:
    path = folder / entry["file"]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"checkpoint {path} is listed in {MANIFEST} but missing") from None
    if _sha256(data) != entry["sha256"]:
        raise ValueError(f"checkpoint {path} is damaged: its SHA-256 differs from the one recorded when it was saved")
    return path


def _load_into(model, path: Path) -> None:
    try:
        model.load_weights(path)
    except Exception as exc:  # h5py, Keras and OS errors all mean: this file cannot be used
        raise ValueError(f"checkpoint {path} cannot be loaded into this model: {exc}") from exc


def _check_epochs(epochs) -> list[int]:
    if isinstance(epochs, (str, bytes)) or not hasattr(epochs, "__iter__"):
        raise TypeError(f"epochs must be a sequence of ints, got {type(epochs).__name__}")
    return sorted({check_int(e, "epochs[...]", minimum=0) for e in epochs})


def load_checkpoints(folder, like, epochs=None) -> list[tuple[int, list[np.ndarray]]]:
    """The saved members, most recent first: a list of ``(epoch, weights)`` (chapter 3).

    Resume points are not members. Every file's SHA-256 is checked against the manifest.

    Args:
        folder: the checkpoint folder a run of :class:`EpochCheckpoints` or
            :class:`~ensemble_lib.schedules.SnapshotEnsemble` wrote.
        like: a model of the architecture that saved them (its own weights are left alone: a
            clone is loaded).
        epochs: restricts the result to those epochs (default: every member).

    Returns:
        A list of ``(epoch, weights)``, most recent first; ``weights`` is the list of arrays
        ``model.get_weights()`` returns.

    Raises:
        TypeError: if ``like`` is not a Keras model, ``folder`` not a ``str`` or path, or
            ``epochs`` not a sequence of ints.
        FileNotFoundError: if ``folder`` does not exist.
        NotADirectoryError: if ``folder`` is not a folder.
        ValueError: naming the file, if a checkpoint is damaged, missing, foreign to the run, or
            saved by another architecture; also if the manifest is damaged or missing, the folder
            holds no member, an epoch asked for was not saved, or ``epochs`` holds a negative epoch.
        RuntimeError: if a training run in another process is writing to ``folder``.
    """
    if not isinstance(like, keras.Model):
        raise TypeError(
            f"like must be a Keras model of the architecture that saved the checkpoints, got {type(like).__name__}"
        )
    folder = _existing_folder(folder)
    wanted = None if epochs is None else _check_epochs(epochs)
    with _reading(folder):
        members = {e: entry for e, entry in _run_of(folder).items() if entry["kind"] == "member"}
        if not members:
            raise ValueError(f"checkpoint folder {folder} holds no saved member checkpoint")
        if wanted is not None:
            missing = [e for e in wanted if e not in members]
            if missing:
                raise ValueError(f"checkpoint folder {folder} has no checkpoint for epochs {missing}")
            members = {e: members[e] for e in wanted}
        holder = keras.models.clone_model(like)
        loaded = []
        for epoch in sorted(members, reverse=True):
            _load_into(holder, _verified(folder, members[epoch]))
            loaded.append((epoch, [np.array(w) for w in holder.get_weights()]))
    return loaded


def resume_from_checkpoints(model, folder) -> int:
    """Restore ``model`` from the newest checkpoint in ``folder``, optimizer state included (chapter 3).

    Weights and optimizer state are both restored, so the resumed run continues exactly where
    the saved one stood. A checkpoint without the optimizer state this model's optimizer needs
    is refused, naming what is missing.

    Args:
        model: a compiled Keras model of the architecture that saved the checkpoints.
        folder: the checkpoint folder of the run to resume.

    Returns:
        The epoch to continue from, for ``fit(..., initial_epoch=...)`` and
        ``training_dataset(..., first_epoch=...)``: 0 if the folder is missing or holds no run (a
        fresh start), otherwise one past the newest saved epoch.

    Raises:
        TypeError: if ``model`` is not a Keras model or ``folder`` not a ``str`` or path.
        NotADirectoryError: if ``folder`` exists and is not a folder.
        ValueError: if ``model`` is not compiled, the newest checkpoint holds no optimizer state
            or that of another optimizer, is damaged or missing, or cannot be loaded into
            ``model``; or if the folder's manifest is damaged or missing beside checkpoint files.
        RuntimeError: if a training run in another process is writing to ``folder``.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}")
    folder = _as_folder(folder)
    if not folder.exists():
        return 0
    with _reading(folder):
        recorded = _run_of(folder, strangers_allowed=True)
        if not recorded:
            return 0
        if getattr(model, "optimizer", None) is None:
            raise ValueError("model must be compiled before resuming, so that its optimizer state can be restored")
        newest = max(recorded)
        path = _verified(folder, recorded[newest])
        model.optimizer.build(model.trainable_variables)
        saved, needed = recorded[newest]["optimizer"], _optimizer_signature(model)
        if saved is None:
            raise ValueError(
                f"checkpoint {path} holds no optimizer state (it was saved before the optimizer was "
                f"built): resuming would restart {needed['class']}'s momentum from zero"
            )
        if saved != needed:
            raise ValueError(
                f"checkpoint {path} holds the state of {saved['class']} ({saved['variables']} variables); this "
                f"model's optimizer is {needed['class']} ({needed['variables']} variables): compile the model "
                "as the run was compiled"
            )
        _load_into(model, path)
    return newest + 1
