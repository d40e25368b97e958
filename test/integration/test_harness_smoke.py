"""Smoke tests: only the binary, no traffic. They check the harness as much as dpstack."""

import dpstack_harness as h


def test_help_exits_zero_and_lists_app_options(dps_bin):
    r = h.run_dpstack(["--help"])
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "-f" in out, out


def test_missing_config_file_is_one_line_error(dps_bin, tmp_path):
    missing = tmp_path / "does-not-exist.conf"
    args = h.eal_args(lcores="0", in_memory=True, no_huge=True) + ["--", "-f", str(missing)]
    r = h.run_dpstack(args)
    assert r.returncode != 0, r.stdout + r.stderr
    lines = [l for l in r.stderr.splitlines() if str(missing) in l]
    assert len(lines) == 1, r.stderr
    assert "ready" not in r.stdout
