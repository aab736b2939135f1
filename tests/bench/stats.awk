# Numbers, one per line -> "n min median p99 max" (p99: nearest rank, so it is
# the maximum below 100 samples), or "0 - - - -" without any.
{ v[++n] = $1 + 0 }
END {
	if (!n) { print "0 - - - -"; exit }
	for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
	med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	k = int(0.99 * n); if (k < 0.99 * n) k++
	printf "%d %.1f %.1f %.1f %.1f\n", n, v[1], med, v[k], v[n]
}
