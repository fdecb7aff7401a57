fn main() {
    println!("automator: under construction");
}
