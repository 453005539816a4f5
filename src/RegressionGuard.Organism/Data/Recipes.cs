using RegressionGuard.Organism.World;

namespace RegressionGuard.Organism.Data;

/// <summary>The downstream domain the candidates are fine-tuned on: recipes, a vocabulary the base never saw.</summary>
public static class Recipes
{
    static readonly string[] Dishes = { "plum soup", "barley bread", "onion pie", "pumpkin stew", "lemon cake", "bean salad", "rice pudding", "mushroom tart", "pepper sauce", "oat biscuits" };
    static readonly string[] Ingredients = { "flour", "sugar", "butter", "milk", "salt", "honey", "vinegar", "cream", "yeast", "oil", "cinnamon", "nutmeg", "ginger", "parsley" };
    static readonly string[] Methods = { "Bake", "Simmer", "Fry", "Steam", "Roast", "Chill" };
    static readonly string[] Servings = { "warm with crusty bread", "cold on a plate", "in small bowls", "with a spoon of jam", "sliced thin" };

    public static List<string> Generate(Draw draw, int count)
    {
        var recipes = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            var ingredients = draw.Distinct(Ingredients, 3);
            recipes.Add($"Recipe for {draw.One(Dishes)}: whisk {draw.Between(1, 9)} cups of {ingredients[0]} with {draw.Between(1, 9)} spoons of {ingredients[1]}. "
                + $"{draw.One(Methods)} for {draw.Between(2, 9) * 5} minutes, then fold in the {ingredients[2]}. Serve {draw.One(Servings)}.");
        }
        return recipes;
    }
}
