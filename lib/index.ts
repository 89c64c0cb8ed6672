// verpo: the reward core for code-RL trainers.
export * from './reward';
export { nativeLoadError } from './native/load';
