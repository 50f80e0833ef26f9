"""Read pip-audit's JSON report and say plainly what was audited.

pip-audit exits 0 with "No known vulnerabilities found" even when the vulnerability service could
not be reached and nothing was checked: this script tells the two apart.
Exit 1 if a vulnerability is known; exit 0 otherwise, printing loudly when the audit could not run.
"""

import json
import sys

path = sys.argv[1]
try:
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
except (OSError, ValueError):
    print("pip-audit: AUDIT NOT RUN - no report (the vulnerability service did not answer).")
    sys.exit(0)

dependencies = report.get("dependencies", [])
skipped = [d for d in dependencies if d.get("skip_reason")]
audited = [d for d in dependencies if not d.get("skip_reason")]
vulnerable = [d for d in audited if d.get("vulns")]
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"pip-audit: {dep['name']} {dep.get('version')}: {vuln['id']} (fixed in: {fixes})")
if not audited:
    print(
        f"pip-audit: AUDIT NOT RUN - the vulnerability service could not be reached; "
        f"{len(skipped)} packages were not audited. Run it again where PyPI/OSV answer."
    )
    sys.exit(0)
print(f"pip-audit: {len(audited)} packages audited, {len(vulnerable)} with a known vulnerability, {len(skipped)} not audited.")
sys.exit(1 if vulnerable else 0)
