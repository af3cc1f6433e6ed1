#!/usr/bin/env bash
# Builds (Maven, offline once the dependencies are in ~/.m2) and runs tools/finetune-zh on libtorch CPU:
#   bash tools/finetune-zh/run.sh parity [--layers 1|2]
#   bash tools/finetune-zh/run.sh cv [--layers 1|2] [--epochs 3] [--lr 5e-5] [--head-lr 1e-3] ...
# from the repository root, after `npx tsx scripts/dump-zh-hidden.ts --layers 3,2`.
# FINETUNE_THREADS (default 1: two cost ~3x the CPU per fold here) torch threads; the run is niced (the machine is shared).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/target/lib" ] || [ "$here/pom.xml" -nt "$here/target/lib" ] || [ -n "$(find "$here/src" -newer "$here/target/lib" -name '*.java')" ]; then
  mvn -q -B -f "$here/pom.xml" package -DskipTests
  touch "$here/target/lib"
fi
threads=${FINETUNE_THREADS:-1}
export PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cpu OMP_NUM_THREADS=$threads
exec nice -n 10 java -Xmx8g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$here/target/classes:$here/target/lib/*" newsfuse.finetune.Finetune "$@"
