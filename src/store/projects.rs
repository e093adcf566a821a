//! SQL for projects, clients, tasks, tags and stages. (being written)
