"""Model files: W, b, class and feature names, preprocessing and configuration, as JSON.

Writes are atomic (a temporary file in the same folder, flushed to disk, then renamed over
the target), so a crash or a failing disk never leaves half a file or spoils an old one; a
symlink is written through to its target, an existing file keeps its permissions, and
anything but a regular file (/dev/null, a FIFO) is refused. SIGTERM or SIGHUP during a write
removes the temporary file.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from dataclasses import dataclass

import numpy as np

from softmax_tui.datasets import DatasetError, Pipeline

from .errors import UserError
from .signals import stop_signals_deferred

FORMAT = "softmax-tui-model"


@dataclass(frozen=True)
class SavedModel:
    W: np.ndarray  # (K, d), acting on pipeline.transform(raw features)
    b: np.ndarray  # (K,)
    classes: tuple[str, ...]
    features: tuple[str, ...]  # the model's input features, after the pipeline
    pipeline: Pipeline
    config: dict


def check_writable(path: str) -> None:
    """Fail now, with a UserError, if :func:`write_json_atomically` could not write ``path`` later."""
    target = _target(path)
    if os.path.exists(target) and not os.access(target, os.W_OK):
        raise UserError(f"{path}: is read-only")
    fd, tmp = _create_temporary(target)
    os.close(fd)
    os.unlink(tmp)


def _target(path: str) -> str:
    """The file a save to ``path`` replaces: ``path`` with its symlinks followed (a link
    keeps pointing at the saved model). An existing file must be a regular file: a device
    (/dev/null), a FIFO or a folder is refused, never replaced."""
    if path.endswith((os.sep, "/")):
        raise UserError(f"{path}: names a folder; --save-model needs a file name")
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as e:
        raise UserError(f"{path}: cannot write there ({e.strerror})") from None
    if stat.S_ISDIR(mode):
        raise UserError(f"{path}: is a directory")
    if not stat.S_ISREG(mode):
        raise UserError(f"{path}: is not a regular file (a device or a pipe, say); "
                        "--save-model replaces only regular files")
    return target


def _create_temporary(path: str) -> tuple[int, str]:
    """A new hidden file beside ``path``, created with the usual permissions (0666 less umask)."""
    import secrets  # here, not at start-up: it imports hashlib and hmac

    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    try:
        return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
    except OSError as e:
        raise UserError(f"{path}: cannot write there ({e.strerror})") from None


def write_json_atomically(path: str, payload: dict) -> None:
    """Write ``payload`` to ``path`` all at once or not at all; a failure is a UserError.

    JSON is strict (a NaN or infinity is a ValueError, never written) and floats keep full
    precision (``repr``), so numbers read back exactly."""
    target = _target(path)
    with stop_signals_deferred():  # a signal waits for the rename: no temporary file is left
        fd, tmp = _create_temporary(target)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                _keep_owner_and_mode(f.fileno(), target)
                json.dump(payload, f, indent=1, allow_nan=False)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException as e:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(e, OSError):
                raise UserError(f"{path}: could not be written ({e.strerror}); any previous file is unchanged") from None
            raise


def _keep_owner_and_mode(fd: int, target: str) -> None:
    """Give the new file the permission bits (not setuid, setgid or sticky) and, when we may
    (as root), the owner of the file it replaces."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return
    os.fchmod(fd, old.st_mode & 0o777)
    with contextlib.suppress(PermissionError):
        if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
            os.fchown(fd, old.st_uid, old.st_gid)


def save_model(path: str, model: SavedModel) -> None:
    write_json_atomically(path, {
        "format": FORMAT,
        "W": model.W.tolist(),
        "b": model.b.tolist(),
        "classes": list(model.classes),
        "features": list(model.features),
        "preprocessing": model.pipeline.to_dict(),
        "config": model.config,
    })


#: The largest model file read: a model of 100,000 features and 100 classes is about 200 MB.
MAX_MODEL_BYTES = 256 * 2**20


def _read_bounded(path: str) -> bytes:
    """The bytes of ``path``, read a chunk at a time up to MAX_MODEL_BYTES; a NUL byte (a
    binary file, /dev/zero) or a larger file is a UserError at once."""
    chunks, size = [], 0
    with open(path, "rb") as f:
        while chunk := f.read(2**20):
            if b"\0" in chunk:
                raise UserError(f"{path}: not a model file (binary data)")
            size += len(chunk)
            if size > MAX_MODEL_BYTES:
                raise UserError(f"{path}: not a model file (larger than {MAX_MODEL_BYTES // 2**20} MiB)")
            chunks.append(chunk)
    return b"".join(chunks)


def load_model(path: str) -> SavedModel:
    """Read a model file; anything unreadable or malformed is a one-line UserError."""
    try:
        data = json.loads(_read_bounded(path).decode("utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a model file") from None
    except PermissionError:
        raise UserError(f"{path}: permission denied") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read the model file ({e.strerror})") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a model file (not UTF-8 text)") from None
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not a model file (invalid JSON at line {e.lineno}, column {e.colno})") from None
    except ValueError:  # Python's cap on the digits of an integer read from text
        raise UserError(f"{path}: not a model file (an integer of more than "
                        f"{sys.get_int_max_str_digits()} digits)") from None
    except RecursionError:
        raise UserError(f"{path}: not a model file (its JSON is nested too deeply)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(f"{path}: not a softmax-tui model file (written by --save-model)")
    try:
        W = np.array(data["W"], dtype=np.float64)
        b = np.array(data["b"], dtype=np.float64)
        classes = tuple(str(c) for c in data["classes"])
        features = tuple(str(f) for f in data["features"])
        pipeline = Pipeline.from_dict(data["preprocessing"])
        config = dict(data.get("config") or {})
    except KeyError as e:
        raise UserError(f"{path}: malformed model file (no {e.args[0]!r} entry)") from None
    except (TypeError, ValueError, OverflowError, DatasetError) as e:
        raise UserError(f"{path}: malformed model file ({e})") from None
    K, d = len(classes), len(features)
    if W.shape != (K, d) or b.shape != (K,) or not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise UserError(f"{path}: malformed model file (W must be {K}x{d} and b must have {K} finite entries)")
    if pipeline.feature_names != features:
        raise UserError(f"{path}: malformed model file (the preprocessing's features "
                        f"{', '.join(pipeline.feature_names)} are not the model's {', '.join(features)})")
    return SavedModel(W, b, classes, features, pipeline, config)
