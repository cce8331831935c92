package dev.beanstalkmigrator.model;

/** What to do once a migration succeeded. */
public enum AfterSuccess { NONE, DEPLOY }
