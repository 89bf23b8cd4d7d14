// Shape helpers of the task implementations: the spatial sides and the channels of an input shape.

export function spatialOf(inputShape: readonly number[]): number[] {
  return inputShape.slice(0, -1);
}
export function channelsOf(inputShape: readonly number[]): number {
  return inputShape[inputShape.length - 1] as number;
}
