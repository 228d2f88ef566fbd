"""Calibration: licsim's behaviour model fitted to a site's recorded sessions.

``licsim import`` reads a site's logs into ``trace.parquet``; this package turns that
trace into a behaviour-based scenario (``calibrated.yaml``) and a page of the fits
(``fit.html``). One idea per module:

* :mod:`.usage` — light / regular / heavy users by active days and hours;
* :mod:`.distributions` — choosing a law by AIC, with its KS statistic (scipy.stats
  fits, densities and distribution functions);
* :mod:`.fit` — one usage group's behaviour keys from its sessions;
* :mod:`.scenario` — the calibrated scenario text;
* :mod:`.report` — ``fit.html``;
* :mod:`.holdout` — fit on the first two thirds of a trace, test on the rest.
"""

from sim.calibration.scenario import Calibration, calibrate

__all__ = ["Calibration", "calibrate"]
