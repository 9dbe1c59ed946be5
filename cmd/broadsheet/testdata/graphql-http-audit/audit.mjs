// Runs the graphql-http server audit (all its requests at once, from one
// address) against the URL given as the first argument and prints one JSON
// line: counts by status and the audits that did not pass.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const failures = [];
for (const r of results) {
  counts[r.status]++;
  if (r.status === 'warn' || r.status === 'error') {
    failures.push({ id: r.id, name: r.name, status: r.status, reason: r.reason, httpStatus: r.response?.status });
  }
}
console.log(JSON.stringify({ total: results.length, ...counts, failures }));
