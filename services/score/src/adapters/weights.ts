/** The committed calibration (models/weights/calibration.json), validated at start-up; a bad file stops the service. */
import { readWeights } from '@newsfuse/shared';
import { CalibrationFileSchema, type CalibrationFile } from '@newsfuse/stage-score/calibration';

export const loadCalibration = (): CalibrationFile => readWeights('calibration', CalibrationFileSchema);
