#!/bin/sh
# Follows a Rampart node's object stream as one account, printing each
# version it may read as a JSON line, and keeping its position in a file
# so that it resumes where it stopped.
#
#   RAMPART_URL=https://cti.example.eu:8443 RAMPART_TOKEN=rmp_... ./stream-consumer.sh > objects.jsonl
set -eu
: "${RAMPART_URL:?set RAMPART_URL}" "${RAMPART_TOKEN:?set RAMPART_TOKEN}"
pos_file=${POSITION_FILE:-stream.position}
after=$(cat "$pos_file" 2>/dev/null || echo 0)
while :; do
	page=$(curl -fsS -H "Authorization: Bearer $RAMPART_TOKEN" \
		"$RAMPART_URL/api/v1/stream?after=$after&limit=500&wait=30s") || { sleep 5; continue; }
	printf '%s' "$page" | jq -c '.objects[].object'
	after=$(printf '%s' "$page" | jq -r '.next')
	# Written after the objects were handed on: at-least-once.
	printf '%s\n' "$after" > "$pos_file.tmp" && mv "$pos_file.tmp" "$pos_file"
done
