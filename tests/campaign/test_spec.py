"""The campaign YAML models: strict keys, validated defaults, ranges and the sweep."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.campaign import load_campaign
from sim.campaign.spec import CampaignConfig, Sample, SampleRange, Sweep
from sim.config import ConfigError
from tests.campaign.campaigns import write_campaign


def test_defaults_are_valid_and_validated():
    config = CampaignConfig.model_validate({"scenario": "x.yaml"})
    assert (config.name, config.replicates, config.seed, config.executor) == ("campaign", 1, 0, "processes")
    assert config.sweep == Sweep() and config.duration is None and config.workers is None
    assert CampaignConfig.model_config["validate_default"] is True


def test_campaign_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="replicates"):
        load_campaign(write_campaign(tmp_path, replicates=0))
    with pytest.raises(ConfigError, match="unknown key"):
        load_campaign(write_campaign(tmp_path, repliactes=2))
    with pytest.raises(ConfigError, match="scenario"):
        load_campaign(write_campaign(tmp_path, scenario="nope.yaml"))


def test_ranges_and_durations():
    assert SampleRange.model_validate([1, 3]) == SampleRange(low=1, high=3)
    with pytest.raises(ValidationError, match="must exceed low"):
        SampleRange.model_validate([3, 1])
    with pytest.raises(ValidationError, match="needs low > 0"):
        SampleRange.model_validate({"low": 0, "high": 1, "scale": "log"})
    with pytest.raises(ValidationError, match=r"\[low, high\]"):
        SampleRange.model_validate([1, 2, 3])
    with pytest.raises(ValidationError, match="method"):
        Sample.model_validate({"n": 2, "method": "sobol", "ranges": {"a": [0, 1]}})
    assert CampaignConfig.model_validate({"scenario": "x.yaml", "duration": "2h"}).duration == 7200.0
    with pytest.raises(ValidationError, match="no values to sweep"):
        Sweep.model_validate({"grid": {"dt_s": []}})
    with pytest.raises(ValidationError, match="swept both on the grid and by sampling: dt_s"):
        CampaignConfig.model_validate({"scenario": "x.yaml", "sweep": {
            "grid": {"dt_s": [30]}, "sample": {"n": 2, "ranges": {"dt_s": [10, 60]}}}})
