package dev.beanstalkmigrator.model;

/** One entry of an ECS capacity provider strategy. */
public record CapacityProvider(String capacityProvider, int weight, int base) {}
