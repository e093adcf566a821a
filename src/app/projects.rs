//! Use cases for projects, clients, tasks, tags and stages. (being written)
