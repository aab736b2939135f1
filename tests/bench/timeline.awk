# One failover trial from a prober timeline (prober -o: seq,send_ns,reply_ns,name,
# CLOCK_MONOTONIC ns). -v F=<fault instant, ns, from tests/bench/fault>.
# Prints "gap_ms old new lost_after_fault old_answers_after_switch", or
# "FAIL reason" (with how long the client got no answer at all). The gap is from the fault to the earliest answer from a node
# other than the one that answered last before the fault. Times are cut to
# microseconds as text first, so awk's doubles stay exact at any uptime.
function us(x) { return substr(x, 1, length(x) - 3) + 0 }
BEGIN { FS = ","; f = us(F); best = -1 }
NR == 1 { next }
{
	s = us($2)
	if (s > tend) tend = s
	if ($3 == "" || us($3) - s > 1000000) { if (s >= f) lost++; next }
	r = us($3)
	if (r >= f) got[++ng] = r
	if (s < f) { old = $4; next }
	if (old == "") next
	if ($4 != old && r >= f) {
		if (best < 0 || r - f < best) { best = r - f; new = $4; tnew = r }
	} else if ($4 == old && best >= 0 && r > tnew) {
		back++
	}
}
END {
	if (old == "") print "FAIL no answer before the fault"
	else if (best < 0) {
		# the longest time without any answer, from the fault to the end
		# of the timeline (answers are in send order: sort their times)
		for (i = 2; i <= ng; i++) { x = got[i]; for (j = i - 1; j >= 1 && got[j] > x; j--) got[j + 1] = got[j]; got[j + 1] = x }
		prev = f; sil = 0
		for (i = 1; i <= ng; i++) { if (got[i] - prev > sil) sil = got[i] - prev; prev = got[i] }
		if (tend - prev > sil) sil = tend - prev
		printf "FAIL no answer from the other node; %d probes lost, longest silence %.1f ms\n", lost, sil / 1000
	}
	else printf "%.3f %s %s %d %d\n", best / 1000, old, new, lost, back
}
