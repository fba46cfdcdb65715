"""The verifiable record of a meeting and the street office's audit: record export, proxies (R15),
paper ballots, server-side verification and the auditor's certifications (R28). See docs/record-format.md."""
