"""Lists that leave the system: a school's pupils, matches, meetings and waiting list as CSV for
Danish Excel or as XLSX, in the scope the user may see, each download audited."""
