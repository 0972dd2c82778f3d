#!/usr/bin/env bash
# Train a default model on a lent GPU machine for SECONDS, from the repository root there, with the kit that
# packaging/gpu_kit.py made (carry .gpukit). Resumes RUN when it has a checkpoint (a warm machine keeps it
# between calls), else starts from the bundled model (grown with RESIDUAL_BLOCKS when set); then bundles the
# mean of the last 8 epochs into $OUT (or RUN/bundle) so the call brings the model back.
#
#   bash packaging/gpu_train.sh 540 recognizer runs/crnn_gpu
#   KERAS_BACKEND=torch RESIDUAL_BLOCKS=0,1,1,1,0,0 bash packaging/gpu_train.sh 540 recognizer runs/crnn_gpu
#   FILTERS=32,64,128,256,384,384 RNN_UNITS=256,256 bash packaging/gpu_train.sh 540 recognizer runs/crnn_wide
set -euo pipefail
seconds=${1:?seconds}; task=${2:-recognizer}; run=${3:-runs/${task}_gpu}
kit=$(cd "${GPU_KIT:-.gpukit}" && pwd)
# The cache (font index, procedural backgrounds) lives outside the carried kit, which each call replaces, so a warm
# machine builds it once; the kit's fonts are linked into it.
cache=${GPU_CACHE:-/tmp/gpukit-cache}
mkdir -p "$cache" && ln -sfn "$kit/cache/fonts" "$cache/fonts"
export KERAS_BACKEND=${KERAS_BACKEND:-jax} PYTHONPATH=$PWD:/tmp/site OCR_STUDIO_CACHE_DIR=$cache
export PYTHONUNBUFFERED=1
py=${PYTHON:-python3}

if [ -d "$kit/whl" ] && ! $py -c "import keras" 2>/dev/null; then
  $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$kit"/whl/*.whl
fi
if [ -d "$kit/dict" ] && [ ! -e /usr/share/dict/words ]; then
  mkdir -p /usr/share/dict && cp "$kit"/dict/* /usr/share/dict/
  [ -e /usr/share/dict/words ] || ln -s american-english /usr/share/dict/words
fi
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader || true

hours=$($py -c "print(max(0.01, ($seconds - 90) / 3600))")  # leave time to bundle
mkdir -p "$(dirname "$run")"
args=(--hours "$hours" --out "$run" --mixed-precision auto)
# A GPU trains the recognizer faster than one Python process renders crops: one batch process per spare core.
[ "$task" = recognizer ] && args+=(--data-processes "${DATA_PROCESSES:-$(( $(nproc) > 3 ? $(nproc) - 2 : 1 ))}")
if [ -e "$run/checkpoints/state.json" ]; then
  args+=(--resume)
elif [ "$task" = recognizer ] && [ -n "${FILTERS:-}${RNN_UNITS:-}" ]; then  # a new, wider recognizer from scratch
  [ -n "${FILTERS:-}" ] && args+=(--filters "$FILTERS")
  [ -n "${RNN_UNITS:-}" ] && args+=(--rnn-units "$RNN_UNITS")
  [ -n "${RESIDUAL_BLOCKS:-}" ] && args+=(--residual-blocks "$RESIDUAL_BLOCKS")
  [ -n "${LR:-}" ] && args+=(--lr "$LR")
else
  args+=(--init "crnn_lite" --lr "${LR:-3e-4}")
  [ -n "${RESIDUAL_BLOCKS:-}" ] && args+=(--residual-blocks "$RESIDUAL_BLOCKS")
fi
[ "$task" = detector ] && args=("${args[@]/crnn_lite/craft_lite}")
$py docs/examples/train_default_models.py "$task" "${args[@]}" 2>&1 | tee -a "$run.log" | grep -v "^I0000" || true

if [ "$task" = detector ]; then name=craft_lite; post=(); else name=crnn_lite; post=(--min-confidence 0.05 --weak-min-confidence 0.8); fi
dest=${OUT:-$run/bundle}
$py packaging/bundle_model.py "$run" --name "$name" --average 8 "${post[@]}" --out "$dest" || \
  $py packaging/bundle_model.py "$run" --name "$name" "${post[@]}" --out "$dest"
cp "$run.log" "$dest/" 2>/dev/null || true
ls -la "$dest"/*
