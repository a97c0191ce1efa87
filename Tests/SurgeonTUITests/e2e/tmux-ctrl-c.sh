#!/usr/bin/env bash
# Ctrl-C in the full screen: start the program on a model whose run does not end, run it,
# press Ctrl-C, check the transcript says "interrupted", that the session still answers and
# that `quit` exits 0 with the terminal settings restored.
# Usage: tmux-ctrl-c.sh PATH/TO/surgeon-shell PATH/TO/long.onnx   (exit 0 = pass)
set -u
BIN=${1:?usage: tmux-ctrl-c.sh SURGEON_SHELL_BINARY LONG_MODEL}
MODEL=${2:?usage: tmux-ctrl-c.sh SURGEON_SHELL_BINARY LONG_MODEL}
WORK=$(mktemp -d)
SOCK="surgeon-ctrlc-$$"
. "$(dirname "$0")/tmux-lib.sh"

T new-session -d -s cc -x 120 -y 40 \
  "cd $WORK; stty -a > before; env -u NO_COLOR HOME=$WORK TERM=xterm-256color LANG=C.UTF-8 '$BIN' '$MODEL'; echo \$? > status; stty -a > after; sleep 60"
wait_for cc "(long) >" 20
text cc "run"; T send-keys -t cc Enter
wait_for cc "Ctrl-C stops" 20
sleep 1
T send-keys -t cc C-c
wait_for cc "interrupted" 20
echo "ok: Ctrl-C stopped the run"
text cc "print 6 * 7"; T send-keys -t cc Enter
wait_for cc "42" 20
echo "ok: the session answers"
text cc "quit"; T send-keys -t cc Enter
end=$((SECONDS + 15))
while [ ! -s "$WORK/status" ] && [ $SECONDS -lt $end ]; do sleep 0.2; done
[ -s "$WORK/status" ] || fail "did not exit"
[ "$(cat "$WORK/status")" = 0 ] || fail "exit status $(cat "$WORK/status")"
sleep 0.3
diff <(tail -n +2 "$WORK/before") <(tail -n +2 "$WORK/after") || fail "terminal settings changed"
echo "ok: quit, terminal restored"
echo PASS
