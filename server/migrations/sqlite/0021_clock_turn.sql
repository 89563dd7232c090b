-- Sweeps that spend a shared budget (the reconciler's DescribeExecution
-- calls) take turns through this row, so several servers on one database
-- share the budget instead of each spending it.
create table clock_turn (
    name text primary key,
    taken_at integer not null
);
