//! Parsing what people type for time: durations, ranges, dates, time zones. (being written)
