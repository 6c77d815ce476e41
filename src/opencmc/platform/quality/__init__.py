"""Quality records: specifications, batches, results, OOS investigations, release."""
