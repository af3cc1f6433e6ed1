/**
 * The committed fusion weights and calibration (models/weights/), validated: what the one-shot CLI,
 * the evaluations and tests pass to the stages. The services load the same files in their adapters.
 */
import { readWeights } from '@newsfuse/shared/json-file';
import { FusionWeightsSchema, type FusionWeights } from '@newsfuse/stage-fuse/combiner';
import { createStrategies, type Strategies } from '@newsfuse/stage-fuse/strategies';
import { CalibrationFileSchema, type CalibrationFile } from '@newsfuse/stage-score/calibration';

export const loadFusionWeights = (): FusionWeights => readWeights('fusion', FusionWeightsSchema);
export const loadCalibration = (): CalibrationFile => readWeights('calibration', CalibrationFileSchema);

export interface CommittedWeights {
  fusion: FusionWeights;
  strategies: Strategies;
  calibration: CalibrationFile;
}

export function loadCommittedWeights(): CommittedWeights {
  const fusion = loadFusionWeights();
  return { fusion, strategies: createStrategies(fusion), calibration: loadCalibration() };
}
