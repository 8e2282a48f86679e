"""Where the tests find real MNIST (conftest.find_mnist): the order of the sources, verification
of every file, a corrupted copy passed over, the download into the cache done once, and the skip
that says how to get the files.

Small synthetic stand-ins with their own digests (``files=``) take the place of MNIST, and the
download goes to test_download's HTTP server on 127.0.0.1, with its guard against any other host.
"""

import gzip
import warnings

import pytest

import conftest
from conftest import HOW_TO_GET, MNISTUnavailable, find_mnist, mnist_sources, shared_or_skip
import test_download
from test_download import CONTENTS, FILES, NAMES, assert_all_verified

# test_download's fixtures: its server, the requests it saw, and its guard against the network.
server, hits = test_download.server, test_download.hits
no_real_network = test_download.no_real_network


def raw_copy(folder):
    folder.mkdir(parents=True)
    for name, data in CONTENTS.items():
        (folder / name).write_bytes(data)
    return folder


def gzipped_copy(folder):
    folder.mkdir(parents=True)
    for name, data in CONTENTS.items():
        (folder / (name + ".gz")).write_bytes(gzip.compress(data))
    return folder


def find(sources, tmp_path, **options):
    return find_mnist(sources, tmp_path / "session", files=FILES, **options)


def test_verified_files_in_a_local_folder_are_used(tmp_path):
    source, announced = raw_copy(tmp_path / "data" / "mnist"), []
    data_dir, where = find([("data/mnist", source)], tmp_path, download_to=tmp_path / "cache",
                           on_download=announced.append)
    assert announced == [] and not (tmp_path / "cache").exists()    # nothing downloaded
    assert data_dir == tmp_path / "session"
    assert_all_verified(data_dir / "mnist")
    assert where == f"data/mnist ({source})"


def test_a_gzipped_copy_like_the_shared_one_is_decompressed_and_used(tmp_path):
    source = gzipped_copy(tmp_path / "shared" / "mnist")
    data_dir, _ = find([("../shared/mnist", source)], tmp_path)
    assert_all_verified(data_dir / "mnist")


def test_the_first_source_holding_the_files_wins(tmp_path):
    first, second = raw_copy(tmp_path / "first"), raw_copy(tmp_path / "second")
    _, where = find([("first", first), ("second", second)], tmp_path)
    assert where.startswith("first ")


def test_a_missing_folder_is_passed_over_without_a_warning(tmp_path):
    source = raw_copy(tmp_path / "present")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, where = find([("absent", tmp_path / "absent"), ("present", source)], tmp_path)
    assert where.startswith("present ")


def test_a_corrupted_file_is_rejected_with_a_warning_and_the_next_source_used(tmp_path):
    corrupted = raw_copy(tmp_path / "corrupted")
    data = bytearray(CONTENTS[NAMES[0]])
    data[100] ^= 0xFF                                   # one flipped byte, same size
    (corrupted / NAMES[0]).write_bytes(bytes(data))
    good = raw_copy(tmp_path / "good")
    with pytest.warns(UserWarning, match=f"corrupted .*{NAMES[0]}: SHA256 mismatch"):
        data_dir, where = find([("corrupted", corrupted), ("good", good)], tmp_path)
    assert where.startswith("good ")
    assert_all_verified(data_dir / "mnist")
    assert (corrupted / NAMES[0]).read_bytes() == bytes(data)   # the source is left as it was


def test_a_corrupted_only_copy_is_never_used(tmp_path):
    corrupted = raw_copy(tmp_path / "corrupted")
    (corrupted / NAMES[3]).write_bytes(CONTENTS[NAMES[3]][:-1])   # truncated
    with pytest.warns(UserWarning), pytest.raises(MNISTUnavailable) as caught:
        find([("corrupted", corrupted)], tmp_path)
    assert f"{NAMES[3]}: got {len(CONTENTS[NAMES[3]]) - 1} bytes" in str(caught.value)
    assert not (tmp_path / "session" / "mnist" / NAMES[3]).exists()


def test_sources_missing_different_files_complete_each_other(tmp_path):
    first, second = raw_copy(tmp_path / "first"), raw_copy(tmp_path / "second")
    (first / NAMES[0]).unlink()
    with pytest.warns(UserWarning, match="not found"):
        data_dir, where = find([("first", first), ("second", second)], tmp_path)
    assert where.startswith("second ")
    assert_all_verified(data_dir / "mnist")


def test_with_no_local_copy_the_files_are_downloaded_once_into_the_cache(tmp_path, server,
                                                                       hits):
    cache, announced = tmp_path / "cache", []
    data_dir, where = find([("data/mnist", tmp_path / "none")], tmp_path, download_to=cache,
                           on_download=announced.append, mirrors=[f"{server.url}/good"],
                           use_npm=False, retries=0)
    assert data_dir == cache and where == f"downloaded into {cache / 'mnist'}"
    assert announced == [cache]
    assert_all_verified(cache / "mnist")
    assert len(hits) == 4
    data_dir, _ = find([("data/mnist", tmp_path / "none")], tmp_path, download_to=cache,
                       mirrors=[f"{server.url}/good"], use_npm=False, retries=0)
    assert data_dir == cache and len(hits) == 4      # the second run downloads nothing


def test_a_corrupted_file_in_the_cache_is_downloaded_again(tmp_path, server, hits):
    cache = raw_copy(tmp_path / "cache" / "mnist").parent
    (cache / "mnist" / NAMES[1]).write_bytes(b"\0" * len(CONTENTS[NAMES[1]]))
    find([], tmp_path, download_to=cache, mirrors=[f"{server.url}/good"], use_npm=False,
         retries=0)
    assert_all_verified(cache / "mnist")
    assert hits == [f"/good/{NAMES[1]}.gz"]


def test_no_copy_and_no_network_raises_with_what_was_tried_and_how_to_get_the_files(
        tmp_path, server):
    with pytest.raises(MNISTUnavailable) as caught:
        find([("../shared/mnist", tmp_path / "shared" / "mnist")], tmp_path,
             download_to=tmp_path / "cache", mirrors=[f"{server.url}/missing"], retries=0)
    message = str(caught.value)
    assert message.startswith("real MNIST files not available")
    assert f"../shared/mnist: {tmp_path / 'shared' / 'mnist'} does not exist" in message
    assert "HTTP 404" in message and "npm is not on PATH" in message
    assert "python scripts/download_mnist.py" in message and HOW_TO_GET in message


def test_sources_are_the_variable_then_shared_then_the_projects_data(tmp_path):
    repo = tmp_path / "repo"
    assert mnist_sources({conftest.DATA_ENV: "/elsewhere"}, repo) == [
        ("$SCRATCHNET_DATA", tmp_path.joinpath("/elsewhere", "mnist")),
        ("../shared/mnist", tmp_path / "shared" / "mnist"),
        ("data/mnist", repo / "data" / "mnist")]
    assert [label for label, _ in mnist_sources({}, repo)] == ["../shared/mnist", "data/mnist"]
    assert [label for label, _ in mnist_sources({conftest.DATA_ENV: ""}, repo)] == [
        "../shared/mnist", "data/mnist"]


def test_a_shared_folder_that_is_absent_skips_naming_its_path(tmp_path):
    with pytest.raises(pytest.skip.Exception, match=f"drawings are not available: "
                                                    f"{tmp_path / 'drawn'} does not exist"):
        shared_or_skip(tmp_path / "drawn", "the shared drawings")
    (tmp_path / "drawn").mkdir()
    assert shared_or_skip(tmp_path / "drawn", "the shared drawings") == tmp_path / "drawn"
