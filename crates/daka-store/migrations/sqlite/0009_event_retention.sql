-- Event retention: pruning asks whether any delivery still refers to an event record.
CREATE INDEX event_deliveries_by_seq ON event_deliveries (seq);
