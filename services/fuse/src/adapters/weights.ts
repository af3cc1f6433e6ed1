/** The committed fusion weights (models/weights/fusion.json), validated at start-up; a bad file stops the service. */
import { readWeights } from '@newsfuse/shared';
import { FusionWeightsSchema } from '@newsfuse/stage-fuse/combiner';
import { createStrategies, type Strategies } from '@newsfuse/stage-fuse/strategies';

export const loadStrategies = (): Strategies => createStrategies(readWeights('fusion', FusionWeightsSchema));
