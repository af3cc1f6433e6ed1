/** Joint (CLIP-style) image–text embedder: loader, adapter for the pipeline, tiny test model. */
export { createJointEmbedder, preprocessImage, resizedSize, jointSessionCount, JointEmbedderError } from './embedder.ts';
export type { JointEmbedder, JointEmbedderOptions, JointTokens, RgbInput } from './embedder.ts';
export { loadJointConfig, parseJointConfig, JointConfigError } from './config.ts';
export type { JointConfig, JointImageConfig, JointTextConfig } from './config.ts';
export { jointPortOf, createJointPort, jointArticleText, jointSimilarity, toWire } from './adapter.ts';
export type { JointPort, JointArticle } from './adapter.ts';
