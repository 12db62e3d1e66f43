/** Help texts: `encore --help`, `encore detect --help`, `encore quality --help`. */

export const MAIN_USAGE = `Usage: encore <command> [options] FILE...

Anomaly detection and data-quality checks on time-series files, with the same
analysis the Encore data source runs in Grafana.

Commands:
  detect    flag anomalies (data quality first: gaps and flatlines are not anomalies)
  quality   run the data-quality checks and print the quality score

Options:
  -h, --help     show help (encore <command> --help for a command's options)
  --version      print the version

Input files are CSV with a header (timestamp,value[,series][,events]) or NDJSON
({"timestamp":...,"value":...} per line); - reads stdin. events: for a share
(failed payments among payments), the events each value is a share of.
Exit codes: 0 ok, 1 some input failed, 2 usage error,
            3 anomalies found (detect --fail-on-anomaly) or a failing check (quality --fail-on-quality).
Simulated traffic: npm run simulate -- --help.`;

const INPUT_OPTIONS = `Input:
  --step DURATION       grid step (default: inferred, the median gap between timestamps)
  --time-unit U         epoch unit of numeric timestamps: auto (default: by magnitude,
                        below 1e11 seconds, else milliseconds), s or ms

Output:
  --format table|json   table for people (default) or JSON on stdout
  -q, --quiet           no progress and no notes on stderr (errors are still reported)
  --progress            progress lines on stderr even when it is not a terminal
  -h, --help            show this help`;

export const DETECT_USAGE = `Usage: encore detect [options] FILE...

Flags anomalous points in each file and prints a summary per file: points,
algorithm, season, anomalies and anomaly events. Data-quality checks run first;
points inside a quality failure (gap, flatline, invalid value) are neither learned
from nor flagged. Detection is causal: a row's score uses that row and earlier ones.

Detection:
  --algorithm NAME      auto (default), rolling, ewma, seasonal, holt_winters
  --sensitivity 0..1    0 flags only gross departures, 1 small ones (default 0.5)
  --direction D         both (default), up, down
  --min-duration N|DUR  flag only runs this long: points (3) or a duration (15m); default 1
  --season S            auto (default: detected), none, or a period such as 1d or 1w
  --fail-on-anomaly     exit 3 when any anomaly is found (for CI pipelines)
  -o, --out DIR         write DIR/<name>.csv per input with the columns
                        timestamp,value,expected,lower,upper,score,anomaly
                        (and series first when the input has a series column)

${INPUT_OPTIONS}

Examples:
  encore detect plays.csv
  encore detect --season 1d --min-duration 10m --out results/ *.csv
  cat metric.ndjson | encore detect --format json -`;

export const QUALITY_USAGE = `Usage: encore quality [options] FILE...

Runs the data-quality checks (completeness, freshness, validity, counter resets,
flatline, duplicates, cardinality) over each file's own time range and prints them
with the quality score (0..100).

Checks:
  --now TIME            "now" for freshness: an ISO-8601 time, epoch seconds/ms or
                        "now" (default: the file's last timestamp, so an old file is
                        judged on its content, not on its age)
  --freshness DURATION  freshness limit (default 5m; warn above half of it)
  --flatline DURATION   flatline limit (default 30m)
  --valid-range MIN:MAX values outside are invalid, e.g. 0:1 for a ratio, 0: for a count
  --max-series N        cardinality limit (default 100)
  --counter             the series are raw counters: check for resets
  --fail-on-quality     exit 3 when any check fails (for CI pipelines)

${INPUT_OPTIONS}

Examples:
  encore quality export.csv
  encore quality --now now --freshness 10m live.ndjson
  encore quality --valid-range 0:1 --format json rebuffer_ratio.csv`;
