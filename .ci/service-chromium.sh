# Sourced by .ci/run: Debian's headless Chromium for TestWebChatBrowser
# (tests/browser_test.go), which reads EVSCRIPT_CHROMIUM and skips, naming
# Chromium, when there is none. Nothing to stop: the test starts and ends
# its own browser.
if ci_install chromium; then
	for p in /usr/bin/chromium /usr/bin/chromium-browser; do
		if [ -x "$p" ]; then
			export EVSCRIPT_CHROMIUM="$p"
			break
		fi
	done
fi
if [ -n "${EVSCRIPT_CHROMIUM:-}" ]; then
	echo "chromium: $EVSCRIPT_CHROMIUM"
else
	echo "chromium: not available; the browser test will skip"
fi
